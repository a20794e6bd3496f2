"""A whole class: per-student variants, handouts and keys, grading, LMS export.

The pipeline, one module per role: a template (:mod:`.template`, with draws from
:mod:`.draws` and settings from :mod:`.config`) gives each student a variant
(:mod:`.variants`) that passes the fairness rules (:mod:`.fairness`); each variant gets a
key (:mod:`.keys`), a handout and a solution sheet (:mod:`.documents`); submissions are
graded (:mod:`.grading`, :mod:`.classgrade`) with feedback (:mod:`.feedback`) and a class
report (:mod:`.report`); a class exports to Moodle XML (:mod:`.moodle`) and QTI 2.1
(:mod:`.qti`). Every stage runs on an executor (:mod:`.executor`): here, in processes, or
on a Dask cluster. ``docs/classroom.md`` walks through it from roster to grades.
"""
