// Where the dashboard finds the API. Empty: the same origin as this page (the local stack serves
// both). A page hosted elsewhere names the stage URL, the stack's ApiUrl output, e.g.
// "https://abc123.execute-api.eu-west-1.amazonaws.com/prod"; the stack's AllowedOrigins parameter
// must then list this page's origin, and the browser checks every call with a CORS preflight.
window.EA_CONFIG = { apiBase: "" };
