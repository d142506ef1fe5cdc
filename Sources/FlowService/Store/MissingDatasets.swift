/// A job named data sets the store does not hold.
public struct MissingDatasets: Error, Sendable {
    public let ids: [String]
}
