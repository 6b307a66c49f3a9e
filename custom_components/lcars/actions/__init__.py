"""The actions of LCARS, one module per area.

Each action reads the call's data, asks the runtime or a client for what it
needs, refuses bad input with a translated error and answers with plain
data. `services.py` registers them.
"""
