//! Query parameters as the store passes them to either database: a few plain kinds of value,
//! borrowed from the caller, that each backend binds in its own way.

/// One parameter of a query.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(in crate::store) enum Param<'a> {
    Null,
    Integer(i64),
    Real(f64),
    Text(&'a str),
    Bool(bool),
}

/// A value that can be a query parameter.
pub(in crate::store) trait ToParam {
    fn to_param(&self) -> Param<'_>;
}

/// The parameters of one query: `()`, an array of one type, or [`params!`] of mixed types.
pub(in crate::store) trait Params {
    fn to_params(&self) -> Vec<Param<'_>>;
}

impl Params for () {
    fn to_params(&self) -> Vec<Param<'_>> {
        Vec::new()
    }
}

impl<T: ToParam, const N: usize> Params for [T; N] {
    fn to_params(&self) -> Vec<Param<'_>> {
        self.iter().map(ToParam::to_param).collect()
    }
}

impl<T: ToParam> Params for &[T] {
    fn to_params(&self) -> Vec<Param<'_>> {
        self.iter().map(ToParam::to_param).collect()
    }
}

/// Parameters of mixed types, in order: `params![run, status.as_str(), output]`.
macro_rules! params {
    ($($value:expr),* $(,)?) => {
        [$(&$value as &dyn $crate::store::db::ToParam),*]
    };
}
pub(in crate::store) use params;

impl<T: ToParam + ?Sized> ToParam for &T {
    fn to_param(&self) -> Param<'_> {
        (**self).to_param()
    }
}

impl<T: ToParam> ToParam for Option<T> {
    fn to_param(&self) -> Param<'_> {
        self.as_ref().map_or(Param::Null, ToParam::to_param)
    }
}

impl ToParam for str {
    fn to_param(&self) -> Param<'_> {
        Param::Text(self)
    }
}

impl ToParam for String {
    fn to_param(&self) -> Param<'_> {
        Param::Text(self)
    }
}

impl ToParam for bool {
    fn to_param(&self) -> Param<'_> {
        Param::Bool(*self)
    }
}

impl ToParam for f64 {
    fn to_param(&self) -> Param<'_> {
        Param::Real(*self)
    }
}

macro_rules! integer_params {
    ($($int:ty),*) => {$(
        impl ToParam for $int {
            fn to_param(&self) -> Param<'_> {
                Param::Integer(i64::from(*self))
            }
        }
    )*};
}
integer_params!(i64, i32, u32);
