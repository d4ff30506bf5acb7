//! Endpoints validation (to be written).
