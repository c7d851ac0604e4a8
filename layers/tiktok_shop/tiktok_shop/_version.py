__version__ = "0.1.0"
USER_AGENT_PRODUCT = "tiktok-cancellation-approver"
