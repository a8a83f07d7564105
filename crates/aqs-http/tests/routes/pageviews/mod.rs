mod aggregate;
mod per_article;
mod top;
pub mod top_by_country;
pub mod top_per_country;
