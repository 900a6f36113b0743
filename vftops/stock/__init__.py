"""The equipment store and logistics (Drifte utstyrslager og logistikk)."""
