# Shortcuts; the two quick-start commands are tools/bootstrap run and tools/bootstrap test.
.PHONY: run test bench bench-quick torture soak

run:
	tools/bootstrap run

test:
	tools/bootstrap test

bench:
	tools/bootstrap bench

bench-quick:
	tools/bootstrap bench --quick

# SIGKILL the daemon 50 times at random moments and audit the airing log (about 12 minutes).
torture:
	tools/bootstrap torture

# Two hours of a session every minute on a PulseAudio null sink, each airing verified by the
# output monitor, memory sampled (not part of CI).
soak:
	tools/bootstrap soak
