.PHONY: demo test notebooks bench lint

demo:  ## generate sample data, run the pipeline, serve the dashboard on http://127.0.0.1:8050
	scripts/demo.sh

test:  ## the whole test suite (installs the venv and Debian's chromium when missing)
	scripts/test.sh

lint:
	.venv/bin/ruff check src dashboards dags tests bench

# Analyst notebooks: pair each notebooks/*.py script with its .ipynb, then open JupyterLab
# (add JUPYTER_ARGS="--no-browser --allow-root" on a server or as root).
notebooks:  ## JupyterLab on the analyst notebooks, reading the published warehouse (make demo first)
	scripts/bootstrap.sh
	.venv/bin/jupytext --sync notebooks/[0-9][0-9]_*.py
	.venv/bin/jupyter lab notebooks/ $(JUPYTER_ARGS)

# Performance benchmark of issue 8 (SIZES=100k,1M,10M; the large sizes take long: see bench/README.md).
bench:  ## generate books, time the pipeline, its checks and the dashboard; results in bench/results/
	.venv/bin/python -m bench.run --sizes $(or $(SIZES),100k) --out bench/results/
