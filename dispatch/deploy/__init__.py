"""Run the production set on one machine: gunicorn web processes, the job worker, nginx."""
