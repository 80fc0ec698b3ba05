namespace Derecho.Rpc;

/// <summary>
/// Marks a <c>partial class</c> whose <see cref="OrderedAttribute"/> and <see cref="P2PAttribute"/> methods are
/// called remotely. The Derecho source generator emits its method ids, the dispatch and typed proxies
/// (<c>OrderedCalls</c>, <c>P2PCalls</c>); the class implements <see cref="IReplicated{TSelf}"/> through it.
/// </summary>
[AttributeUsage(AttributeTargets.Class, Inherited = false)]
public sealed class ReplicatedAttribute : Attribute;

/// <summary>
/// A method every member of a shard runs in the same total order (it may change the state); each member replies.
/// Derecho's <c>ORDERED_TARGETS</c>.
/// </summary>
[AttributeUsage(AttributeTargets.Method, Inherited = false)]
public sealed class OrderedAttribute : Attribute;

/// <summary>
/// A read-only method one chosen member answers (Derecho's <c>P2P_TARGETS</c>); it must not change the state.
/// </summary>
[AttributeUsage(AttributeTargets.Method, Inherited = false)]
public sealed class P2PAttribute : Attribute;
