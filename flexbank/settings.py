"""Service settings (environment variables ``FLEXBANK_*``), with safe defaults.

The embedded default is SQLite in a data directory; ``FLEXBANK_DATABASE_URL`` points
the service at PostgreSQL instead (``postgresql+psycopg://user@host:5432/db``).
"""

from __future__ import annotations

from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="FLEXBANK_", extra="ignore")

    data_dir: Path = Path("data")
    database_url: str | None = None  # default: sqlite:///<data_dir>/flexbank.db
    timezone: str = "Europe/London"
    secret_key: str = Field(default="", repr=False)  # signs offer links and webhooks
    base_url: str = "http://127.0.0.1:8000"  # for links; `flexbank serve` uses its address
    max_body_bytes: int = 5_000_000  # larger request bodies are refused (413)
    token_days: float = 90.0  # API tokens expire after this; rotate before
    session_hours: float = 12.0  # a web session ends after this (or at sign-out)

    # offers
    urgent_within_hours: float = 24.0
    urgent_top_k: int = 3
    urgent_offer_minutes: int = 15
    offer_expiry_hours: float = 12.0
    offer_link_hours: float = 24.0
    cascade_top_k: int = 1  # offers sent per missing place when a routine offer fails

    # allocation
    daily_allocation_time: str = "14:00"  # local time
    horizon_days: int = 7
    daily_allocation_publish: bool = True
    solver_time_limit: float = 30.0
    solver_workers: int = 2
    # the daily allocation part by part on Ray (needs flexbank[ray]): "auto" starts a
    # local Ray (or joins the one running here), else a cluster's address; None: in-process
    ray_address: str | None = None
    ray_region_gaps: int = 4000  # gaps per region at most, with ray_address
    run_lease_seconds: float = 60.0  # a run whose heartbeat stops this long is failed

    # compliance sweep
    compliance_sweep_time: str = "02:00"
    lapse_warning_days: int = 30

    # what the pages accept and show
    gap_warn_hours: float = 12.0  # a gap longer than this needs a second confirmation
    gap_max_hours: float = 24.0  # a gap longer than this is refused
    gap_warn_weeks_ahead: float = 8.0  # a gap further ahead needs a second confirmation
    gap_max_weeks_ahead: float = 52.0  # a gap further ahead is refused
    default_pay_rate: float = 12.60  # GBP per hour when a provider has set none
    pattern_weeks: int = 8  # weeks ahead a weekly availability pattern is turned into periods
    sign_in_link_minutes: int = 15  # a one-time sign-in link by email is valid this long
    log_links: bool | None = None  # the log channel prints links; None: on a loopback base URL

    # reports
    agency_premium_per_hour: float = 8.50  # GBP above the bank's own hourly cost

    # notifications
    channels: list[str] = ["log"]  # any of: log, webhook, email
    webhook_url: str | None = None
    smtp_host: str | None = None
    smtp_port: int = 25
    smtp_sender: str = "flexbank@localhost"
    coordinator_email: str | None = None
    notification_max_attempts: int = 5

    def resolved_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.data_dir / 'flexbank.db').resolve()}"

    def links_in_log(self) -> bool:
        """Whether the log channel prints a message's link (a development install, on a
        loopback address, unless ``log_links`` says otherwise)."""
        if self.log_links is not None:
            return self.log_links
        from urllib.parse import urlsplit

        return (urlsplit(self.base_url).hostname or "") in ("127.0.0.1", "localhost", "::1")

    def signing_key(self) -> str:
        """The secret for links and webhooks; a per-data-dir random one if unset."""
        if self.secret_key:
            return self.secret_key
        key_file = self.data_dir / ".secret_key"
        if not key_file.exists():
            import secrets

            self.data_dir.mkdir(parents=True, exist_ok=True)
            key_file.write_text(secrets.token_urlsafe(32))
            key_file.chmod(0o600)
        return key_file.read_text().strip()
