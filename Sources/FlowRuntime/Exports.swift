@_exported import FlowCPU
@_exported import FlowCUDA
// `import FlowRuntime` is the whole runtime: the core contract (`FlowCore`), every backend
// (`FlowCPU`, `FlowOpenCL`, `FlowCUDA`) and the registry that puts the backends behind one
// selector. Layers and tools import this; a backend imports only `FlowCore`.
@_exported import FlowCore
@_exported import FlowOpenCL
