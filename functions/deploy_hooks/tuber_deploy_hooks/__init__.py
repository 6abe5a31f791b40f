"""Deploy-time CloudFormation custom resources (handler: tuber_deploy_hooks.handler)."""
