mod aggregate;
mod per_article;
mod top;
