# Shortcuts; the two quick-start commands are tools/bootstrap run and tools/bootstrap test.
.PHONY: run test bench bench-quick

run:
	tools/bootstrap run

test:
	tools/bootstrap test

bench:
	tools/bootstrap bench

bench-quick:
	tools/bootstrap bench --quick
