// Deployment settings for the web client, read before the app starts.
// Same origin (the local gateway serves the API and these files on one port) unless set:
// for a CloudFront deployment, point it at the API, e.g. "https://abc123.execute-api.eu-west-1.amazonaws.com".
window.TUBER_API_BASE = window.TUBER_API_BASE || "";
