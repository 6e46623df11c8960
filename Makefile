.PHONY: run test validate bench
run:        ## set up and start the daemon with the sample Binjai playbooks
	bash scripts/run.sh
test:       ## run the whole test suite (installs what it needs)
	bash scripts/test.sh
validate:
	swift run posko validate Playbooks
