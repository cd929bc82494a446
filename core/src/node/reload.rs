//! `Node::reload`: a SIGHUP-style configuration change that keeps matched instances' state.
