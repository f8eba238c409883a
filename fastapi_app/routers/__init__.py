"""v2 routers. Each module defines `router = APIRouter(tags=[...])` with paths relative
to `/api/v2` (`create_app` adds the prefix) and only translates HTTP: dependencies from
`fastapi_app.deps` in, `call(session, <shared service>, ...)`, the service's dict out."""
