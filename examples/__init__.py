"""The five source systems of ../shared/seeds/, each built only on dynastack's public API."""
