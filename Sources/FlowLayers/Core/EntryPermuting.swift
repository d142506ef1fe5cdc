/// A transform whose output holds its input's entries, moved but unchanged, and whose log-det is
/// zero (permutations, squeezes): its output is in range exactly when its input is, so
/// `RangeMonitor` does not check it again.
public protocol EntryPermuting: Bijector {}
