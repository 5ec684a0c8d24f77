"""crossgrad's own pytest-benchmark suite, shipped with the package.

    pytest --pyargs crossgrad.benchmarks --benchmark-only --benchmark-json bench.json
    crossgrad report --from-benchmark-json bench.json

Size knobs are pytest options (--crossgrad-sizes, --crossgrad-devices; see
crossgrad.benchmarks.options). With --pyargs pytest reads no conftest early
enough to learn an option, so add `-p crossgrad.testing` to pass them; run by
path (`pytest "$(python -c 'import crossgrad.benchmarks as b; print(b.__path__[0])')"`)
they work without it. The environment variables CROSSGRAD_BENCH_SIZES and
CROSSGRAD_BENCH_DEVICES still work where an option is not given.
"""
