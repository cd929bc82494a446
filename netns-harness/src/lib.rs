//! vrrplab-netns: Linux network-namespace topologies for VRRP integration tests.
