//! Host changes off the protocol loop: one worker task carries out address changes (and the
//! other host jobs) in the order they were queued, and reports each result back to the driver
//! as an input ([`Done`]). The loop never awaits netlink: adverts keep their pace while the
//! kernel works, and per address the order add → remove → add is the order queued (one queue,
//! one job at a time).

use super::addresses::Addresses;
use std::net::IpAddr;
use tokio::sync::{mpsc, oneshot};

/// What to change on the host.
#[derive(Debug)]
pub enum Job {
    /// Add `address/prefix_len` to the interface `index` (`name`) for `instance`.
    AddAddress(AddressJob),
    /// Remove it.
    RemoveAddress(AddressJob),
    /// Run this `nft -f` script (the `no_accept` sets, [`super::firewall`]).
    Firewall(String),
    /// Create a VMAC on the base interface with this index (IPv6: with this link-local).
    CreateVmac(super::vmac::Plan, u32, Option<std::net::Ipv6Addr>),
    /// Delete the VMAC called this, with this index.
    DeleteVmac(String, u32),
    /// Answer once every job queued before it is done (at shutdown).
    Flush(oneshot::Sender<()>),
}

/// One address change.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AddressJob {
    /// The driver's sequence number of this job.
    pub seq: u64,
    /// Owning instance.
    pub instance: String,
    /// Interface name (for logs).
    pub interface: String,
    /// Interface index.
    pub index: u32,
    /// The address.
    pub address: IpAddr,
    /// Prefix length.
    pub prefix_len: u8,
}

/// The outcome of one job, fed back to the driver loop.
#[derive(Debug)]
pub enum Done {
    /// An address was added (`Ok`) or not (`Err` with the kernel's reason).
    Added(AddressJob, Result<(), String>),
    /// An address was removed (or was already gone), or not.
    Removed(AddressJob, Result<(), String>),
    /// The firewall sets were replaced, or not.
    Firewall(Result<(), String>),
    /// A VMAC was created (for the plan's instance), or not.
    VmacCreated(super::vmac::Plan, Result<(), String>),
    /// A VMAC was deleted, or not.
    VmacDeleted(String, Result<(), String>),
}

/// The queue into the worker.
pub struct Worker {
    jobs: mpsc::UnboundedSender<Job>,
}

impl Worker {
    /// Starts the worker on the current runtime; results arrive on `done`.
    pub fn spawn(addresses: Addresses, done: mpsc::UnboundedSender<Done>) -> Worker {
        let (jobs, mut queue) = mpsc::unbounded_channel::<Job>();
        tokio::spawn(async move {
            while let Some(job) = queue.recv().await {
                let result = match job {
                    Job::AddAddress(j) => {
                        let r = addresses.add(j.index, j.address, j.prefix_len).await;
                        Done::Added(j, r.map_err(|e| describe(&e)))
                    }
                    Job::RemoveAddress(j) => {
                        let r = addresses.remove(j.index, j.address, j.prefix_len).await;
                        Done::Removed(j, r.map_err(|e| describe(&e)))
                    }
                    Job::Firewall(script) => Done::Firewall(super::firewall::apply(script).await),
                    Job::CreateVmac(plan, base, ll) => {
                        let r = super::vmac::create(&addresses, &plan, base, ll).await;
                        Done::VmacCreated(plan, r)
                    }
                    Job::DeleteVmac(name, index) => {
                        Done::VmacDeleted(name, super::vmac::delete(&addresses, index).await)
                    }
                    Job::Flush(answer) => {
                        let _ = answer.send(());
                        continue;
                    }
                };
                if done.send(result).is_err() {
                    return;
                }
            }
        });
        Worker { jobs }
    }

    /// Queues a job (never blocks).
    pub fn queue(&self, job: Job) {
        if self.jobs.send(job).is_err() {
            tracing::error!("host worker stopped: a host change was not made");
        }
    }

    /// Waits until every job queued so far is done, at most `limit`.
    pub async fn flush(&self, limit: std::time::Duration) -> bool {
        let (tx, rx) = oneshot::channel();
        self.queue(Job::Flush(tx));
        tokio::time::timeout(limit, rx).await.is_ok()
    }
}

/// A netlink error as an operator reads it (`File exists (os error 17)` rather than a debug
/// dump of the message).
pub fn describe(error: &rtnetlink::Error) -> String {
    match error {
        rtnetlink::Error::NetlinkError(message) => {
            std::io::Error::from_raw_os_error(-message.raw_code()).to_string()
        }
        other => other.to_string(),
    }
}
