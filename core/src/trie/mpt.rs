//! An in-memory Merkle-Patricia trie over 32-byte keys that caches each node's reference, so
//! that the root after a change rehashes only the nodes on the changed paths.

use alloy::rlp::Encodable;
use alloy_primitives::{B256, Bytes, keccak256};
use alloy_trie::{
    EMPTY_ROOT_HASH, Nibbles, TrieMask,
    nodes::{BranchNodeRef, ExtensionNodeRef, LeafNodeRef, RlpNode},
};

/// Children of a branch node, by nibble.
type Children = Box<[Option<Box<Node>>; 16]>;

/// Trie nodes by hash: `(keccak256(rlp), rlp)` of every node that is referenced by its hash
/// (32 bytes of RLP or more, and every root).
pub type HashedNodes = Vec<(B256, Bytes)>;

/// A trie node with its cached reference.
#[derive(Clone, Debug)]
struct Node {
    kind: Kind,
    /// `rlp(node)` if that is shorter than 32 bytes, else `rlp(keccak256(rlp(node)))`; `None`
    /// while the node or something below it has changed since it was last hashed.
    reference: Option<RlpNode>,
}

/// The three node shapes. All keys have 64 nibbles, so branches never carry a value.
#[derive(Clone, Debug)]
enum Kind {
    Leaf { key: Nibbles, value: Vec<u8> },
    Extension { key: Nibbles, child: Box<Node> },
    Branch { children: Children },
}

impl Node {
    fn new(kind: Kind) -> Box<Self> {
        Box::new(Self { kind, reference: None })
    }

    fn leaf(key: Nibbles, value: Vec<u8>) -> Box<Self> {
        Self::new(Kind::Leaf { key, value })
    }

    /// The node's reference as its parent embeds it, computing (and caching) it and every
    /// stale reference below it; each hashed node computed anew goes to `new_nodes`.
    fn reference(&mut self, mut new_nodes: Option<&mut HashedNodes>) -> RlpNode {
        if let Some(reference) = &self.reference {
            return reference.clone();
        }
        let mut rlp = Vec::new();
        self.encode(&mut rlp, new_nodes.as_deref_mut());
        let reference = RlpNode::from_rlp(&rlp);
        if let (Some(new_nodes), Some(hash)) = (new_nodes, reference.as_hash()) {
            new_nodes.push((hash, rlp.into()));
        }
        self.reference = Some(reference.clone());
        reference
    }

    /// Appends the node's RLP encoding to `out`.
    fn encode(&mut self, out: &mut Vec<u8>, mut new_nodes: Option<&mut HashedNodes>) {
        match &mut self.kind {
            Kind::Leaf { key, value } => LeafNodeRef::new(key, value).encode(out),
            Kind::Extension { key, child } => {
                let child = child.reference(new_nodes);
                ExtensionNodeRef::new(key, &child).encode(out);
            }
            Kind::Branch { children } => {
                let mut stack = Vec::with_capacity(16);
                let mut mask = TrieMask::default();
                for (nibble, child) in children.iter_mut().enumerate() {
                    if let Some(child) = child {
                        mask.set_bit(nibble as u8);
                        stack.push(child.reference(new_nodes.as_deref_mut()));
                    }
                }
                BranchNodeRef::new(&stack, mask).encode(out);
            }
        }
    }
}

/// An in-memory Ethereum Merkle-Patricia trie keyed by 32-byte (already hashed) keys, with
/// raw (already RLP-encoded) values.
///
/// Every node caches its reference; inserting or removing a key invalidates only the nodes on
/// that key's path, so [`MerkleTrie::root`] rehashes just what changed since the last call.
#[derive(Clone, Debug, Default)]
pub struct MerkleTrie {
    root: Option<Box<Node>>,
    len: usize,
}

impl MerkleTrie {
    /// An empty trie.
    pub fn new() -> Self {
        Self::default()
    }

    /// Number of keys in the trie.
    pub fn len(&self) -> usize {
        self.len
    }

    /// Whether the trie holds no keys.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// The value stored under `key`.
    pub fn get(&self, key: B256) -> Option<&[u8]> {
        let path = Nibbles::unpack(key);
        let mut node = self.root.as_deref()?;
        let mut depth = 0;
        loop {
            match &node.kind {
                Kind::Leaf { key, value } => {
                    return (path.slice(depth..) == *key).then_some(value.as_slice());
                }
                Kind::Extension { key, child } => {
                    if !path.slice(depth..).starts_with(key) {
                        return None;
                    }
                    depth += key.len();
                    node = child;
                }
                Kind::Branch { children } => {
                    node = children[path.get_unchecked(depth) as usize].as_deref()?;
                    depth += 1;
                }
            }
        }
    }

    /// Sets the value under `key`. An empty value is not a valid leaf, so it removes the key.
    pub fn insert(&mut self, key: B256, value: Vec<u8>) {
        if value.is_empty() {
            return self.remove(key);
        }
        match self.get(key) {
            Some(current) if current == value.as_slice() => return,
            Some(_) => {}
            None => self.len += 1,
        }
        self.root = Some(insert(self.root.take(), Nibbles::unpack(key), value));
    }

    /// Removes `key` (if present), collapsing the nodes its removal leaves redundant.
    pub fn remove(&mut self, key: B256) {
        if self.get(key).is_none() {
            return;
        }
        self.len -= 1;
        self.root = self.root.take().and_then(|root| remove(*root, Nibbles::unpack(key)));
    }

    /// The root hash: [`EMPTY_ROOT_HASH`] for an empty trie. Hashes only the nodes changed since
    /// the last call.
    pub fn root(&mut self) -> B256 {
        self.root_recording(None)
    }

    /// [`Self::root`], adding the hashed nodes it computes anew to `new_nodes` (with the root
    /// itself even when it is short): with those of earlier calls, every node reachable from
    /// the root, so a store of them can serve proofs of this root later.
    pub fn root_recording(&mut self, mut new_nodes: Option<&mut HashedNodes>) -> B256 {
        match &mut self.root {
            None => EMPTY_ROOT_HASH,
            Some(root) => {
                let fresh = root.reference.is_none();
                let reference = root.reference(new_nodes.as_deref_mut());
                reference.as_hash().unwrap_or_else(|| {
                    let hash = keccak256(&reference[..]);
                    if let (true, Some(new_nodes)) = (fresh, new_nodes) {
                        new_nodes.push((hash, Bytes::copy_from_slice(&reference[..])));
                    }
                    hash
                })
            }
        }
    }

    /// The Merkle proof of `key`, present or absent, as `eth_getProof` returns it: the RLP
    /// encodings of the nodes on the key's path from the root, leaving out nodes embedded in
    /// their parent (shorter than 32 bytes). Empty for an empty trie.
    pub fn proof(&mut self, key: B256) -> Vec<Bytes> {
        self.root();
        let path = Nibbles::unpack(key);
        let mut proof = Vec::new();
        let Some(mut node) = self.root.as_deref_mut() else {
            return proof;
        };
        let mut depth = 0;
        loop {
            let mut rlp = Vec::new();
            node.encode(&mut rlp, None);
            if depth == 0 || rlp.len() >= 32 {
                proof.push(rlp.into());
            }
            match &mut node.kind {
                Kind::Leaf { .. } => return proof,
                Kind::Extension { key, child } => {
                    if !path.slice(depth..).starts_with(key) {
                        return proof;
                    }
                    depth += key.len();
                    node = child;
                }
                Kind::Branch { children } => {
                    let Some(child) = children[path.get_unchecked(depth) as usize].as_deref_mut() else {
                        return proof;
                    };
                    depth += 1;
                    node = child;
                }
            }
        }
    }

    /// The extra witness a proof-based deletion of `key` needs besides [`MerkleTrie::proof`]
    /// (the `sibling` of the contracts' `MerkleTrieWriter.update`).
    ///
    /// Removing `key` from a branch left with one other child collapses the branch into that
    /// child, so whoever rebuilds the path must know the child's node. The proof holds it only
    /// when the child is embedded in the branch (encoding shorter than 32 bytes). This returns
    /// the RLP encoding of that remaining child when the branch references it by hash —
    /// whatever its kind: the verifier cannot tell a branch child (which just gets an extension
    /// above it) from a leaf or extension (whose path absorbs the branch's nibble) without it.
    /// `None` when `key` is absent, is the root leaf, or its branch keeps two or more children
    /// or an embedded one.
    pub fn deletion_sibling(&mut self, key: B256) -> Option<Bytes> {
        self.get(key)?;
        let path = Nibbles::unpack(key);
        let mut node = self.root.as_deref_mut()?;
        let mut depth = 0;
        loop {
            match &mut node.kind {
                Kind::Leaf { .. } => return None,
                Kind::Extension { key, child } => {
                    depth += key.len();
                    node = child;
                }
                Kind::Branch { children } => {
                    let nibble = path.get_unchecked(depth) as usize;
                    let holds_leaf = children[nibble].as_ref().is_some_and(|c| matches!(c.kind, Kind::Leaf { .. }));
                    if holds_leaf {
                        // The key's leaf hangs here: does the branch collapse, into a hashed child?
                        let mut others = children.iter_mut().enumerate().filter(|(i, c)| *i != nibble && c.is_some());
                        let (_, remaining) = others.next()?;
                        if others.next().is_some() {
                            return None;
                        }
                        let remaining = remaining.as_deref_mut()?;
                        remaining.reference(None).as_hash()?;
                        let mut rlp = Vec::new();
                        remaining.encode(&mut rlp, None);
                        return Some(rlp.into());
                    }
                    depth += 1;
                    node = children[nibble].as_deref_mut()?;
                }
            }
        }
    }
}

/// Inserts `value` under the remaining `path` below `node`, returning the new subtree.
/// Nodes off the path keep their cached references.
fn insert(node: Option<Box<Node>>, path: Nibbles, value: Vec<u8>) -> Box<Node> {
    let Some(node) = node else {
        return Node::leaf(path, value);
    };
    match node.kind {
        Kind::Leaf { key, .. } if key == path => Node::leaf(key, value),
        Kind::Leaf { key, value: existing } => {
            let common = key.common_prefix_length(&path);
            let mut children = Children::default();
            children[key.get_unchecked(common) as usize] = Some(Node::leaf(key.slice(common + 1..), existing));
            children[path.get_unchecked(common) as usize] = Some(Node::leaf(path.slice(common + 1..), value));
            extend(key.slice(..common), Node::new(Kind::Branch { children }))
        }
        Kind::Extension { key, child } => {
            let common = key.common_prefix_length(&path);
            if common == key.len() {
                let child = insert(Some(child), path.slice(common..), value);
                return Node::new(Kind::Extension { key, child });
            }
            let mut children = Children::default();
            children[key.get_unchecked(common) as usize] = Some(extend(key.slice(common + 1..), child));
            children[path.get_unchecked(common) as usize] = Some(Node::leaf(path.slice(common + 1..), value));
            extend(key.slice(..common), Node::new(Kind::Branch { children }))
        }
        Kind::Branch { mut children } => {
            let nibble = path.get_unchecked(0) as usize;
            children[nibble] = Some(insert(children[nibble].take(), path.slice(1..), value));
            Node::new(Kind::Branch { children })
        }
    }
}

/// Removes the remaining `path`, which must be present below `node`, returning what is left
/// of the subtree in canonical form.
fn remove(node: Node, path: Nibbles) -> Option<Box<Node>> {
    match node.kind {
        Kind::Leaf { .. } => None,
        Kind::Extension { key, child } => remove(*child, path.slice(key.len()..)).map(|child| prepend(key, child)),
        Kind::Branch { mut children } => {
            let nibble = path.get_unchecked(0) as usize;
            children[nibble] = children[nibble].take().and_then(|child| remove(*child, path.slice(1..)));
            let mut present = children.iter().filter(|child| child.is_some());
            if present.next().is_some() && present.next().is_some() {
                return Some(Node::new(Kind::Branch { children }));
            }
            // One child left: the branch collapses into it.
            let (nibble, child) = children.iter_mut().enumerate().find_map(|(i, c)| c.take().map(|c| (i, c)))?;
            Some(prepend(Nibbles::from_nibbles([nibble as u8]), child))
        }
    }
}

/// `child` below an extension over `key`, or `child` itself when `key` is empty.
fn extend(key: Nibbles, child: Box<Node>) -> Box<Node> {
    if key.is_empty() { child } else { Node::new(Kind::Extension { key, child }) }
}

/// `node` with `prefix` put in front of its path: merged into a leaf or extension key, or as
/// a new extension above a branch.
fn prepend(prefix: Nibbles, node: Box<Node>) -> Box<Node> {
    match node.kind {
        Kind::Leaf { key, value } => Node::leaf(prefix.join(&key), value),
        Kind::Extension { key, child } => Node::new(Kind::Extension { key: prefix.join(&key), child }),
        Kind::Branch { .. } => Node::new(Kind::Extension { key: prefix, child: node }),
    }
}

#[cfg(test)]
impl MerkleTrie {
    /// Number of nodes whose reference is stale, i.e. that the next [`MerkleTrie::root`] hashes.
    pub(super) fn stale_nodes(&self) -> usize {
        fn count(node: &Node) -> usize {
            let below = match &node.kind {
                Kind::Leaf { .. } => 0,
                Kind::Extension { child, .. } => count(child),
                Kind::Branch { children } => children.iter().flatten().map(|c| count(c)).sum(),
            };
            below + usize::from(node.reference.is_none())
        }
        self.root.as_deref().map_or(0, count)
    }
}
