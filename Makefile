.PHONY: demo test notebooks bench lint

demo:  ## generate sample data, run the pipeline, serve the dashboard on http://127.0.0.1:8050
	scripts/demo.sh

test:  ## the whole test suite (installs the venv and Debian's chromium when missing)
	scripts/test.sh

lint:
	.venv/bin/ruff check src dashboards dags tests bench
