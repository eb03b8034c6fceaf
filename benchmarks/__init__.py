"""Benchmarks of the baked project's session socket against the floor of its stack (benchmarks/run.sh).

The orchestration (baking, starting and stopping servers, reading their CPU and memory, writing
RESULTS.md) runs in the template's environment; what runs inside a bake (the floor, the naive
fan-out, the client) is in in_bake/ and runs with the bake's python.
"""
