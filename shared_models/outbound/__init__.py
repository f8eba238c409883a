"""Outbound HTTP: safety checks (D11) and the GitHub and webhook calls (D12, §5.4)."""
