//! Tests of receipt reading: every fixture, encodings, namespaces, the lifecycle.
