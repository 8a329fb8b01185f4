# The README's two commands: `make demo` and `make test`.
.PHONY: demo test lint

demo:
	scripts/setup.sh
	.venv/bin/nianbao demo

test:
	scripts/setup.sh --test
	.venv/bin/ruff check .
	.venv/bin/ruff format --check .
	.venv/bin/pytest -q

lint:
	.venv/bin/ruff check --fix .
	.venv/bin/ruff format .
