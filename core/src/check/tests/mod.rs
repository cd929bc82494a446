//! Virtual-clock tests.
