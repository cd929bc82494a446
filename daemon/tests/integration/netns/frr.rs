//! keepalived and FRR vrrpd on one segment.
