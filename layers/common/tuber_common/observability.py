"""The one Powertools Logger of a function (service name from POWERTOOLS_SERVICE_NAME)."""
from aws_lambda_powertools import Logger

logger = Logger()
