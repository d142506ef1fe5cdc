/// What a request to delete a data set came to.
public enum DatasetDeleteOutcome: Sendable {
    case deleted(DatasetRecord)
    case notFound
    /// Jobs that still need it, oldest first: they may run again, or their model is rebuilt from it.
    case inUse([String])
}
