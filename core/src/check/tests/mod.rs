//! Virtual-clock tests of the health checks: one module per rule family, sharing one driver.

mod checker;
mod pool;
mod reload;
mod script;
mod world;
