"""`python -m ecocirc_intake` serves the API with uvicorn."""

import uvicorn

from ecocirc_intake.bootstrap import create_app
from ecocirc_shared.logging import configure_logging
from ecocirc_shared.settings import IntakeSettings

settings = IntakeSettings()
configure_logging("intake", settings.log_level, settings.log_json)
# proxy_headers=False: uvicorn would otherwise believe X-Forwarded-For from 127.0.0.1; the app does it
# itself, from ECOCIRC_TRUSTED_PROXIES only (the same code the in-process tests run).
uvicorn.run(
    create_app(settings),
    host=settings.api_host,
    port=settings.api_port,
    log_config=None,
    access_log=False,
    proxy_headers=False,
)
