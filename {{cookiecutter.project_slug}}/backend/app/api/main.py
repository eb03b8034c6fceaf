from fastapi import APIRouter

from app.api.routes import health, login, {% if cookiecutter.use_websockets == "yes" %}socket, {% endif %}users

api_router = APIRouter()
api_router.include_router(health.router)
api_router.include_router(login.router)
api_router.include_router(users.router)
{%- if cookiecutter.use_websockets == "yes" %}
api_router.include_router(socket.router)
{%- endif %}
