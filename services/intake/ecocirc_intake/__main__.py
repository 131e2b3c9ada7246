"""`python -m ecocirc_intake` serves the API with uvicorn."""

import uvicorn

from ecocirc_intake.bootstrap import create_app
from ecocirc_shared.logging import configure_logging
from ecocirc_shared.settings import IntakeSettings

settings = IntakeSettings()
configure_logging("intake", settings.log_level, settings.log_json)
uvicorn.run(
    create_app(settings), host=settings.api_host, port=settings.api_port, log_config=None, access_log=False
)
