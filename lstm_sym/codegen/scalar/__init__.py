"""The scalar emitter: straight-line Python (``math`` or ``mpmath``) per named quantity."""
