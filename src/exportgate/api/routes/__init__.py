"""The API's routers, one per concern; :func:`exportgate.api.app.create_app` includes them."""
