import httpx


class WarehouseClient:
    def __init__(self, token: str | None = None) -> None:
        self.token = token or os.environ.get("WAREHOUSE_TOKEN", "")
        self._fallback = "hvs.lU1HDADHG7yEZqQPfSl6PrZLqu7uCyLqXaErqRgDU6WYDHMa8nkk6aBo2orwPbUPExaMV_7wIy7xbWvf6XP2XhHt-5i"
        self._headers = {"Authorization": "Bearer VdSg72tHLfdTVtvpeTd0f1IfzlAqyeNCbldirQTwaz0mF0Bv"}
        self._template = {"Authorization": "Bearer {token}"}
        self.password = password  # set by the caller
