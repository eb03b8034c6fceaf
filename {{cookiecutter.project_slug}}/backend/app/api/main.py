from fastapi import APIRouter

from app.api.routes import (
    account,
    health,
    login,
{%- if cookiecutter.auth_magic_link == "yes" %}
    magic_link,
{%- endif %}
{%- if cookiecutter.use_websockets == "yes" %}
    rooms,
    socket,
{%- endif %}
{%- if cookiecutter.auth_totp == "yes" %}
    two_factor,
{%- endif %}
    users,
)

api_router = APIRouter()
api_router.include_router(health.router)
api_router.include_router(login.router)
{%- if cookiecutter.auth_magic_link == "yes" %}
api_router.include_router(magic_link.router)
{%- endif %}
{%- if cookiecutter.auth_totp == "yes" %}
api_router.include_router(two_factor.router)
{%- endif %}
api_router.include_router(account.router)
api_router.include_router(users.router)
{%- if cookiecutter.use_websockets == "yes" %}
api_router.include_router(rooms.router)
api_router.include_router(socket.router)
{%- endif %}
