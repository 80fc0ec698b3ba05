using System.Diagnostics.CodeAnalysis;

// The RPC layer's tasks are completions of calls and replies, completed on the layer's own threads; there is no
// synchronization context anywhere in it to deadlock on.
[assembly: SuppressMessage("Usage", "VSTHRD003:Avoid awaiting foreign Tasks", Justification = "No synchronization context in the RPC layer.", Scope = "namespaceanddescendants", Target = "~N:Derecho.Rpc")]
[assembly: SuppressMessage("Usage", "VSTHRD003:Avoid awaiting foreign Tasks", Justification = "No synchronization context in the RPC layer.", Scope = "namespaceanddescendants", Target = "~N:Derecho.External")]
