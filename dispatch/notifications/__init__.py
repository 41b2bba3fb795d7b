"""Notices outside the app: texts in the person's language, channels (SMTP e-mail, SMS, the
PWA push) and the sender the job worker runs. Nothing here needs a request context."""
