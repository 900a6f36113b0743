"""Access control: the systems register, their roles, who has (and had) access to what,
orders and leavers, and the twice-yearly access review."""
