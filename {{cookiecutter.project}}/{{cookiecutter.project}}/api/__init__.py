"""CRUD routes for every reflected table, through fastapi-crudrouter made right for Pydantic 2."""

from .install import install_crud_api

__all__ = ["install_crud_api"]
