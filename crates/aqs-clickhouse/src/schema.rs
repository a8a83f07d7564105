//! The versioned schema files (`schema/*.sql`) and `aqs clickhouse init`, which applies the ones
//! a database lacks: on one server, or over a cluster (local tables on every shard and
//! Distributed tables over them; ReplicatedMergeTree and `ON CLUSTER` DDL when the cluster has a
//! ZooKeeper, otherwise the same DDL sent to every server listed with `--node`).

use crate::client::{Client, RowReader, RowWriter, identifier};
use aqs_core::error::{StoreError, StoreResult};

/// The schema version this build reads and writes.
pub const SCHEMA_VERSION: u32 = 3;

/// One version of the schema: the tables, and the Distributed tables of cluster mode.
struct SchemaFile {
    version: u32,
    tables: &'static str,
    distributed: &'static str,
}

const FILES: &[SchemaFile] = &[
    SchemaFile {
        version: 1,
        tables: include_str!("../schema/0001_pageviews.sql"),
        distributed: include_str!("../schema/0001_pageviews.distributed.sql"),
    },
    SchemaFile {
        version: 2,
        tables: include_str!("../schema/0002_series.sql"),
        distributed: include_str!("../schema/0002_series.distributed.sql"),
    },
    SchemaFile {
        version: 3,
        tables: include_str!("../schema/0003_feature_usage.sql"),
        distributed: include_str!("../schema/0003_feature_usage.distributed.sql"),
    },
];

/// Where the tables live.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Layout {
    /// Plain MergeTree tables on one server.
    Single,
    /// Local tables on every server of a cluster (named in the servers' `remote_servers`), and
    /// Distributed tables over them.
    Cluster {
        name: String,
        /// DDL and mutations go out `ON CLUSTER` (the cluster has a ZooKeeper), and the local
        /// tables are ReplicatedMergeTree.
        replicated: bool,
        /// Without a ZooKeeper: the HTTP URL of every server, to send the DDL to each.
        nodes: Vec<String>,
    },
}

impl Layout {
    pub fn local_suffix(&self) -> &'static str {
        match self {
            Layout::Single => "",
            Layout::Cluster { .. } => "_local",
        }
    }

    pub fn on_cluster(&self) -> String {
        match self {
            Layout::Cluster { name, replicated: true, .. } => format!("ON CLUSTER {name}"),
            _ => String::new(),
        }
    }
}

/// The statements of a schema file: separated by lines holding only `;`, comment lines dropped.
pub fn statements(sql: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut current = String::new();
    for line in sql.lines() {
        let trimmed = line.trim();
        if trimmed == ";" {
            if !current.trim().is_empty() {
                out.push(current.trim().to_string());
            }
            current.clear();
        } else if !trimmed.starts_with("--") {
            current.push_str(line);
            current.push('\n');
        }
    }
    if !current.trim().is_empty() {
        out.push(current.trim().to_string());
    }
    out
}

/// A statement with its placeholders filled in for `db` and `layout`.
pub fn fill(statement: &str, db: &str, layout: &Layout) -> String {
    let mut out = statement
        .replace("${DB}", db)
        .replace("${LOCAL}", layout.local_suffix())
        .replace("${ON_CLUSTER}", &layout.on_cluster());
    if let Layout::Cluster { name, .. } = layout {
        out = out.replace("${CLUSTER}", name);
    }
    for (placeholder, engine) in [("${ENGINE:", "MergeTree"), ("${SUMMING:", "SummingMergeTree")] {
        while let Some(start) = out.find(placeholder) {
            let Some(len) = out[start..].find('}') else { break };
            let table = out[start + placeholder.len()..start + len].to_string();
            let engine = match layout {
                Layout::Cluster { replicated: true, .. } => format!(
                    "Replicated{engine}('/clickhouse/tables/{{shard}}/{db}/{table}_local', '{{replica}}')"
                ),
                _ => format!("{engine}()"),
            };
            out.replace_range(start..start + len + 1, &engine);
        }
    }
    out
}

/// What `init` did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InitReport {
    pub database: String,
    pub layout: Layout,
    /// Versions applied now (empty when the database was up to date).
    pub applied: Vec<u32>,
    pub version: u32,
}

/// Whether the server has a ZooKeeper configured (then `ON CLUSTER` DDL and replication work).
pub fn has_zookeeper(client: &Client) -> bool {
    client.query("SELECT count() FROM system.zookeeper WHERE path = '/' FORMAT TSV").is_ok()
}

/// The schema version a database holds (0: none).
pub fn current_version(client: &Client, db: &str) -> StoreResult<u32> {
    let exists = client.query(&format!("EXISTS TABLE {db}.aqs_schema FORMAT TSV"))?;
    if String::from_utf8_lossy(&exists).trim() != "1" {
        return Ok(0);
    }
    let rows =
        client.query(&format!("SELECT max(version) FROM {db}.aqs_schema FORMAT RowBinary"))?;
    RowReader::new(&rows).u32()
}

/// The layout recorded by `init`, read back by servers and loaders.
pub fn stored_layout(client: &Client, db: &str) -> StoreResult<Layout> {
    let rows = client.query(&format!(
        "SELECT cluster, nodes, version FROM {db}.aqs_schema ORDER BY version DESC LIMIT 1 FORMAT RowBinary"
    ))?;
    let mut r = RowReader::new(&rows);
    if r.is_empty() {
        return Ok(Layout::Single);
    }
    let cluster = r.string()?;
    let count = r.varint()?;
    let mut nodes = Vec::new();
    for _ in 0..count {
        nodes.push(r.string()?);
    }
    if cluster.is_empty() {
        return Ok(Layout::Single);
    }
    Ok(Layout::Cluster { replicated: nodes.is_empty(), name: cluster, nodes })
}

/// Applies every schema version the database lacks. `cluster`: the cluster name for cluster
/// mode; `nodes`: the HTTP URL of every server of the cluster, needed when it has no ZooKeeper.
pub fn init(
    client: &Client,
    db: &str,
    cluster: Option<&str>,
    nodes: &[String],
) -> StoreResult<InitReport> {
    identifier(db)?;
    let layout = match cluster {
        None => {
            if !nodes.is_empty() {
                return Err(StoreError::Engine("--node is for cluster mode: add --cluster".into()));
            }
            Layout::Single
        }
        Some(name) => {
            identifier(name)?;
            let replicated = has_zookeeper(client);
            if !replicated && nodes.is_empty() {
                return Err(StoreError::Engine(format!(
                    "the ClickHouse at {} has no ZooKeeper, so DDL cannot go out ON CLUSTER: \
                     list the HTTP URL of every server of cluster {name} with --node",
                    client.url()
                )));
            }
            let nodes = if replicated { Vec::new() } else { nodes.to_vec() };
            Layout::Cluster { name: name.to_string(), replicated, nodes }
        }
    };
    // Where DDL goes: one server (single, or ON CLUSTER), or every listed node.
    let targets: Vec<Client> = match &layout {
        Layout::Cluster { nodes, .. } if !nodes.is_empty() => {
            nodes.iter().map(|url| Client::new(url)).collect::<StoreResult<_>>()?
        }
        _ => vec![client.clone()],
    };
    for target in &targets {
        target.query(&format!("CREATE DATABASE IF NOT EXISTS {db} {}", layout.on_cluster()))?;
    }
    let before = current_version(client, db)?;
    if before > SCHEMA_VERSION {
        return Err(StoreError::UnsupportedFormat {
            found: before,
            supported: SCHEMA_VERSION,
            hint: format!("database {db} was set up by a newer aqs; use that version"),
        });
    }
    let mut applied = Vec::new();
    for file in FILES.iter().filter(|f| f.version > before) {
        let mut all = statements(file.tables);
        if matches!(layout, Layout::Cluster { .. }) {
            all.extend(statements(file.distributed));
        }
        for statement in &all {
            let sql = fill(statement, db, &layout);
            for target in &targets {
                target.query(&sql)?;
            }
        }
        let mut row = RowWriter::default();
        row.u32(file.version);
        row.u32(now_seconds());
        let (name, listed) = match &layout {
            Layout::Single => ("", &[][..]),
            Layout::Cluster { name, nodes, .. } => (name.as_str(), &nodes[..]),
        };
        row.string(name.as_bytes());
        row.varint(listed.len() as u64);
        for node in listed {
            row.string(node.as_bytes());
        }
        client.insert(
            &format!("{db}.aqs_schema"),
            "version, applied, cluster, nodes",
            &row.bytes,
        )?;
        applied.push(file.version);
    }
    let version = current_version(client, db)?;
    Ok(InitReport { database: db.to_string(), layout, applied, version })
}

/// Drops a database (tests and `aqs clickhouse drop`), on every server of its layout.
pub fn drop_database(client: &Client, db: &str) -> StoreResult<()> {
    identifier(db)?;
    let layout =
        if current_version(client, db)? > 0 { stored_layout(client, db)? } else { Layout::Single };
    match &layout {
        Layout::Cluster { nodes, .. } if !nodes.is_empty() => {
            for node in nodes {
                Client::new(node)?.query(&format!("DROP DATABASE IF EXISTS {db}"))?;
            }
            Ok(())
        }
        _ => client
            .query(&format!("DROP DATABASE IF EXISTS {db} {}", layout.on_cluster()))
            .map(|_| ()),
    }
}

pub(crate) fn now_seconds() -> u32 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| u32::try_from(d.as_secs()).unwrap_or(u32::MAX))
        .unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statements_split_on_semicolon_lines_and_drop_comments() {
        let s = statements(
            "-- a comment\nCREATE TABLE a\n(x UInt8)\n;\n\n-- b\nCREATE TABLE b (y String)\n;\n",
        );
        assert_eq!(s, vec!["CREATE TABLE a\n(x UInt8)", "CREATE TABLE b (y String)"]);
    }

    #[test]
    fn every_schema_statement_fills_in_for_every_layout() {
        let cluster =
            Layout::Cluster { name: "two".into(), replicated: false, nodes: vec!["x".into()] };
        let replicated = Layout::Cluster { name: "two".into(), replicated: true, nodes: vec![] };
        for layout in [Layout::Single, cluster, replicated.clone()] {
            for file in FILES {
                let mut all = statements(file.tables);
                if layout != Layout::Single {
                    all.extend(statements(file.distributed));
                }
                assert!(!all.is_empty());
                for statement in all {
                    let sql = fill(&statement, "aqs", &layout);
                    assert!(!sql.contains("${"), "{sql}");
                    assert!(sql.starts_with("CREATE TABLE IF NOT EXISTS aqs."), "{sql}");
                }
            }
        }
        let sql = fill("ENGINE = ${ENGINE:pageviews_top} ${ON_CLUSTER}", "aqs", &replicated);
        assert_eq!(
            sql,
            "ENGINE = ReplicatedMergeTree('/clickhouse/tables/{shard}/aqs/pageviews_top_local', '{replica}') ON CLUSTER two"
        );
        let sql = fill("ENGINE = ${SUMMING:feature_usage}", "aqs", &replicated);
        assert_eq!(
            sql,
            "ENGINE = ReplicatedSummingMergeTree('/clickhouse/tables/{shard}/aqs/feature_usage_local', '{replica}')"
        );
        assert_eq!(fill("${SUMMING:feature_usage}", "aqs", &Layout::Single), "SummingMergeTree()");
    }

    #[test]
    fn the_article_table_has_the_sixteen_columns_in_order() {
        let ddl = statements(FILES[0].tables)
            .into_iter()
            .find(|s| s.contains("pageviews_per_article"))
            .unwrap();
        let mut last = 0;
        for column in aqs_core::pageviews::ARTICLE_COLUMNS {
            let quoted = format!("`{column}` UInt32");
            let plain = format!(" {column} UInt32");
            let at = ddl
                .find(&quoted)
                .or_else(|| ddl.find(&plain))
                .unwrap_or_else(|| panic!("{column}"));
            assert!(at > last, "{column} out of order");
            last = at;
        }
    }
}
