//! Where a store's database is: a SQLite file, or a PostgreSQL database named by its URL, as the
//! `--db` option and `AGENTLOOM_DB` give it. A URL's password never shows when it is printed.

use std::fmt;
use std::path::{Path, PathBuf};
use std::str::FromStr;

/// A store's database.
#[derive(Clone, PartialEq, Eq)]
pub enum Location {
    /// A SQLite file (created when missing).
    File(PathBuf),
    /// A PostgreSQL database (created by its owner; the store creates the schema in it).
    Postgres(PostgresUrl),
}

/// A `postgres://` or `postgresql://` URL.
#[derive(Clone, PartialEq, Eq)]
pub struct PostgresUrl(String);

impl PostgresUrl {
    /// The URL to connect with, password included: never to print.
    pub(super) fn connect_string(&self) -> &str {
        &self.0
    }

    /// The database's name and host, short enough for a title bar: `loom on db.example`.
    pub fn short_name(&self) -> String {
        let rest = self.0.split_once("://").map_or(self.0.as_str(), |(_, rest)| rest);
        let (authority, path) = rest.split_once('/').unwrap_or((rest, ""));
        let host = authority.rsplit_once('@').map_or(authority, |(_, host)| host);
        let host = host.rsplit_once(':').map_or(host, |(name, _)| name);
        let database = path.split('?').next().unwrap_or_default();
        match database {
            "" => host.to_owned(),
            database => format!("{database} on {host}"),
        }
    }
}

impl Location {
    /// The SQLite file, if the database is one.
    pub fn file(&self) -> Option<&Path> {
        match self {
            Location::File(path) => Some(path),
            Location::Postgres(_) => None,
        }
    }
}

impl From<&Path> for Location {
    fn from(path: &Path) -> Location {
        Location::File(path.to_owned())
    }
}

impl From<&PathBuf> for Location {
    fn from(path: &PathBuf) -> Location {
        Location::File(path.clone())
    }
}

impl From<PathBuf> for Location {
    fn from(path: PathBuf) -> Location {
        Location::File(path)
    }
}

impl FromStr for Location {
    type Err = String;

    /// A URL starting `postgres://` or `postgresql://` names a PostgreSQL database; anything
    /// else is a file path.
    fn from_str(text: &str) -> Result<Location, String> {
        let is_url = ["postgres://", "postgresql://"].iter().any(|scheme| text.starts_with(scheme));
        if !is_url {
            return Ok(Location::File(PathBuf::from(text)));
        }
        let rest = text.split_once("://").map_or("", |(_, rest)| rest);
        let authority = rest.split(['/', '?']).next().unwrap_or_default();
        let host = authority.rsplit_once('@').map_or(authority, |(_, host)| host);
        if host.is_empty() {
            return Err(format!(
                "{}: a PostgreSQL URL names its server: postgres://USER@HOST:PORT/DATABASE",
                PostgresUrl(text.to_owned())
            ));
        }
        Ok(Location::Postgres(PostgresUrl(text.to_owned())))
    }
}

impl fmt::Display for PostgresUrl {
    /// The URL with any password shown as `***`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let Some((scheme, rest)) = self.0.split_once("://") else {
            return f.write_str(&self.0);
        };
        let authority_end = rest.find(['/', '?']).unwrap_or(rest.len());
        let (authority, path) = rest.split_at(authority_end);
        match authority.rsplit_once('@') {
            Some((user_info, host)) => {
                let user = user_info.split_once(':').map_or(user_info, |(user, _)| user);
                let hidden = if user_info.contains(':') { ":***" } else { "" };
                write!(f, "{scheme}://{user}{hidden}@{host}{path}")
            }
            None => f.write_str(&self.0),
        }
    }
}

impl fmt::Debug for PostgresUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "PostgresUrl({self})")
    }
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Location::File(path) => write!(f, "{}", path.display()),
            Location::Postgres(url) => write!(f, "{url}"),
        }
    }
}

impl fmt::Debug for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Location::File(path) => write!(f, "File({})", path.display()),
            Location::Postgres(url) => write!(f, "Postgres({url})"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_name_postgres_and_anything_else_a_file() {
        let url: Location = "postgres://me@db.example:5433/loom".parse().expect("a url");
        assert!(matches!(url, Location::Postgres(_)));
        assert_eq!(url.to_string(), "postgres://me@db.example:5433/loom");
        let file: Location = "postgres.db".parse().expect("a path");
        assert_eq!(file.file(), Some(Path::new("postgres.db")));
        assert!("postgresql:///loom".parse::<Location>().is_err(), "no server");
    }

    #[test]
    fn a_short_name_is_the_database_and_its_host() {
        let url: PostgresUrl = match "postgres://me:pw@db.example:5432/loom?sslmode=disable".parse()
        {
            Ok(Location::Postgres(url)) => url,
            other => panic!("{other:?}"),
        };
        assert_eq!(url.short_name(), "loom on db.example");
    }

    #[test]
    fn a_password_never_shows() {
        let url: Location =
            "postgresql://me:s3cret@db:5432/loom?sslmode=disable".parse().expect("url");
        let shown = format!("{url} {url:?}");
        assert!(!shown.contains("s3cret"), "{shown}");
        assert!(shown.contains("postgresql://me:***@db:5432/loom?sslmode=disable"), "{shown}");
    }
}
