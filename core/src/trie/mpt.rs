//! An in-memory Merkle-Patricia trie over 32-byte keys that caches each node's reference, so
//! that the root after a change rehashes only the nodes on the changed paths. The trie may be
//! sparse: built from proofs, with the subtrees they leave out known only by their hash.

use alloy::rlp::{Decodable, EMPTY_STRING_CODE, Encodable};
use alloy_primitives::{Address, B256, Bytes, keccak256};
use alloy_trie::{
    EMPTY_ROOT_HASH, Nibbles, TrieMask,
    nodes::{BranchNodeRef, ExtensionNodeRef, LeafNodeRef, RlpNode, TrieNode},
};
use std::collections::HashMap;

/// Children of a branch node, by nibble.
type Children = Box<[Option<Box<Node>>; 16]>;

/// Trie nodes by hash: `(keccak256(rlp), rlp)` of every node that is referenced by its hash
/// (32 bytes of RLP or more, and every root).
pub type HashedNodes = Vec<(B256, Bytes)>;

/// Why trie nodes (or proofs made of them) could not be turned into a trie.
#[derive(Debug, thiserror::Error)]
pub enum TrieNodeError {
    /// The node is not valid RLP of a trie node, or is a branch with a value.
    #[error("trie node {hash} does not decode: {source}")]
    Decode {
        /// Hash of the node (of the hashed node it is embedded in, for an embedded one).
        hash: B256,
        /// Decoding error.
        source: alloy::rlp::Error,
    },
    /// The node decodes but cannot stand where it is referenced in a trie over 32-byte keys.
    #[error("trie node {hash} is malformed: {reason}")]
    Malformed {
        /// Hash of the node (of the hashed node it is embedded in, for an embedded one).
        hash: B256,
        /// What is wrong with it.
        reason: &'static str,
    },
    /// A proof's account (nonce, balance, code hash, storage hash) is not what its nodes hold.
    #[error("the proof of account {address} claims an account its nodes do not hold")]
    Account {
        /// The account's address.
        address: Address,
    },
    /// A proof's slot value is not what the account's storage nodes hold.
    #[error("the proof of slot {slot} of account {address} claims a value its nodes do not hold")]
    Slot {
        /// The account's address.
        address: Address,
        /// The slot.
        slot: B256,
    },
}

/// A trie node with its cached reference.
#[derive(Clone, Debug)]
struct Node {
    kind: Kind,
    /// `rlp(node)` if that is shorter than 32 bytes, else `rlp(keccak256(rlp(node)))`; `None`
    /// while the node or something below it has changed since it was last hashed.
    reference: Option<RlpNode>,
}

/// The three node shapes, and a subtree known only by its hash. All keys have 64 nibbles, so
/// branches never carry a value.
#[derive(Clone, Debug)]
enum Kind {
    Leaf { key: Nibbles, value: Vec<u8> },
    Extension { key: Nibbles, child: Box<Node> },
    Branch { children: Children },
    Blinded(B256),
}

/// The panic of an operation that must look into a blinded subtree.
fn unrevealed(hash: &B256) -> ! {
    panic!("trie node {hash} is not revealed (the witness lacks it)")
}

impl Node {
    fn new(kind: Kind) -> Box<Self> {
        Box::new(Self { kind, reference: None })
    }

    /// The subtree with root hash `hash`, not revealed.
    fn blinded(hash: B256) -> Box<Self> {
        Box::new(Self { kind: Kind::Blinded(hash), reference: Some(RlpNode::word_rlp(&hash)) })
    }

    /// The hash of the node if it is blinded.
    fn blinded_hash(&self) -> Option<B256> {
        match self.kind {
            Kind::Blinded(hash) => Some(hash),
            _ => None,
        }
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
            Kind::Blinded(hash) => unrevealed(hash),
        }
    }
}

/// An in-memory Ethereum Merkle-Patricia trie keyed by 32-byte (already hashed) keys, with
/// raw (already RLP-encoded) values.
///
/// Every node caches its reference; inserting or removing a key invalidates only the nodes on
/// that key's path, so [`MerkleTrie::root`] rehashes just what changed since the last call.
///
/// A trie built by [`MerkleTrie::from_nodes`] is sparse: subtrees whose nodes were not given
/// are blinded, known only by their hash. The root and the operations on revealed paths are
/// those of the full trie; an operation that must look into a blinded subtree panics.
#[derive(Clone, Debug, Default)]
pub struct MerkleTrie {
    root: Option<Box<Node>>,
}

impl MerkleTrie {
    /// An empty trie.
    pub fn new() -> Self {
        Self::default()
    }

    /// The trie with root hash `root` made of `nodes` (`keccak256(rlp)` to `rlp`): the nodes
    /// reachable from the root through `nodes` are decoded, every other subtree is blinded
    /// (the root itself too if `nodes` lacks it).
    pub fn from_nodes(root: B256, nodes: &HashMap<B256, Bytes>) -> Result<Self, TrieNodeError> {
        if root == EMPTY_ROOT_HASH {
            return Ok(Self::new());
        }
        Ok(Self { root: Some(open(root, 0, nodes)?) })
    }

    /// Replaces every blinded subtree whose root is in `nodes` by its nodes, decoded as far as
    /// `nodes` reaches (see [`Self::from_nodes`]).
    pub fn reveal(&mut self, nodes: &HashMap<B256, Bytes>) -> Result<(), TrieNodeError> {
        match &mut self.root {
            None => Ok(()),
            Some(root) => reveal(root, 0, nodes),
        }
    }

    /// The hashes of the blinded subtrees an update of `key` may have to look into: a blinded
    /// node on the key's path, every blinded child of a branch on it (removing a key collapses
    /// a branch into its remaining child), and the blinded child of an extension the path
    /// leaves at its last nibble (inserting the key puts that child in a new branch, which
    /// removing the key again collapses into it). Once these are revealed for a set of keys,
    /// any sequence of inserts and removes of those keys needs no other node.
    pub fn blinded_near(&self, key: B256) -> Vec<B256> {
        let path = Nibbles::unpack(key);
        let mut blinded = Vec::new();
        let mut next = self.root.as_deref();
        let mut depth = 0;
        while let Some(node) = next {
            next = match &node.kind {
                Kind::Leaf { .. } => None,
                Kind::Blinded(hash) => {
                    blinded.push(*hash);
                    None
                }
                Kind::Extension { key, child } => {
                    let common = path.slice(depth..).common_prefix_length(key);
                    depth += key.len();
                    if common == key.len() {
                        Some(child)
                    } else {
                        blinded.extend(child.blinded_hash().filter(|_| common + 1 == key.len()));
                        None
                    }
                }
                Kind::Branch { children } => {
                    blinded.extend(children.iter().flatten().filter_map(|child| child.blinded_hash()));
                    let child = children[path.get_unchecked(depth) as usize].as_deref();
                    depth += 1;
                    child.filter(|child| child.blinded_hash().is_none())
                }
            };
        }
        blinded
    }

    /// Whether the trie holds no keys.
    pub fn is_empty(&self) -> bool {
        self.root.is_none()
    }

    /// The value stored under `key`.
    pub fn get(&self, key: B256) -> Option<&[u8]> {
        self.lookup(key).unwrap_or_else(|hash| unrevealed(&hash))
    }

    /// [`Self::get`], or the hash of the blinded node that hides the key.
    pub(super) fn lookup(&self, key: B256) -> Result<Option<&[u8]>, B256> {
        let path = Nibbles::unpack(key);
        let Some(mut node) = self.root.as_deref() else { return Ok(None) };
        let mut depth = 0;
        loop {
            match &node.kind {
                Kind::Leaf { key, value } => {
                    return Ok((path.slice(depth..) == *key).then_some(value.as_slice()));
                }
                Kind::Extension { key, child } => {
                    if !path.slice(depth..).starts_with(key) {
                        return Ok(None);
                    }
                    depth += key.len();
                    node = child;
                }
                Kind::Branch { children } => {
                    let Some(child) = children[path.get_unchecked(depth) as usize].as_deref() else {
                        return Ok(None);
                    };
                    node = child;
                    depth += 1;
                }
                Kind::Blinded(hash) => return Err(*hash),
            }
        }
    }

    /// Sets the value under `key`. An empty value is not a valid leaf, so it removes the key.
    pub fn insert(&mut self, key: B256, value: Vec<u8>) {
        if value.is_empty() {
            return self.remove(key);
        }
        if self.get(key) == Some(value.as_slice()) {
            return;
        }
        self.root = Some(insert(self.root.take(), Nibbles::unpack(key), value));
    }

    /// Removes `key` (if present), collapsing the nodes its removal leaves redundant.
    pub fn remove(&mut self, key: B256) {
        if self.get(key).is_none() {
            return;
        }
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
                Kind::Blinded(hash) => unrevealed(hash),
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
                Kind::Blinded(hash) => unrevealed(hash),
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
        Kind::Blinded(hash) => unrevealed(&hash),
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
        Kind::Blinded(hash) => unrevealed(&hash),
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
        Kind::Blinded(hash) => unrevealed(&hash),
    }
}

/// The node `hash` at `depth` nibbles: decoded from `nodes` with what they hold below it, or
/// blinded if they lack it.
fn open(hash: B256, depth: usize, nodes: &HashMap<B256, Bytes>) -> Result<Box<Node>, TrieNodeError> {
    let Some(rlp) = nodes.get(&hash) else { return Ok(Node::blinded(hash)) };
    let malformed = |reason| Err(TrieNodeError::Malformed { hash, reason });
    if keccak256(rlp) != hash {
        return malformed("its RLP hashes to something else");
    }
    if depth > 0 && rlp.len() < 32 {
        return malformed("it is referenced by hash but shorter than 32 bytes");
    }
    decode(rlp, depth, nodes, hash)
}

/// Decodes the node `rlp` at `depth` nibbles and, through `nodes`, its children; `hash` names
/// the hashed node it is (or is embedded in) in errors.
fn decode(rlp: &[u8], depth: usize, nodes: &HashMap<B256, Bytes>, hash: B256) -> Result<Box<Node>, TrieNodeError> {
    let malformed = |reason| Err(TrieNodeError::Malformed { hash, reason });
    let mut buf = rlp;
    let node = TrieNode::decode(&mut buf).map_err(|source| TrieNodeError::Decode { hash, source })?;
    if !buf.is_empty() {
        return malformed("bytes follow its RLP");
    }
    let kind = match node {
        TrieNode::EmptyRoot => return malformed("an empty node below the root"),
        TrieNode::Leaf(leaf) => {
            if depth + leaf.key.len() != 64 {
                return malformed("a leaf whose key is not 64 nibbles long");
            }
            if leaf.value.is_empty() {
                return malformed("a leaf with an empty value");
            }
            Kind::Leaf { key: leaf.key, value: leaf.value }
        }
        TrieNode::Extension(extension) => {
            if extension.key.is_empty() || depth + extension.key.len() >= 64 {
                return malformed("an extension with an empty key or one reaching the keys' end");
            }
            let child = child(&extension.child, depth + extension.key.len(), nodes, hash)?;
            if matches!(child.kind, Kind::Leaf { .. } | Kind::Extension { .. }) {
                return malformed("an extension above a leaf or an extension");
            }
            Kind::Extension { key: extension.key, child }
        }
        TrieNode::Branch(branch) => {
            if depth >= 64 || branch.stack.len() < 2 {
                return malformed("a branch below the keys' end or with fewer than two children");
            }
            let mut children = Children::default();
            for (nibble, reference) in branch.as_ref().children() {
                if let Some(reference) = reference {
                    children[nibble as usize] = Some(child(reference, depth + 1, nodes, hash)?);
                }
            }
            Kind::Branch { children }
        }
    };
    Ok(Box::new(Node { kind, reference: Some(RlpNode::from_rlp(rlp)) }))
}

/// The child a node at `depth - 1` nibbles or above references by `reference`: a hash
/// (opened through `nodes`) or the child's RLP embedded in the node `hash`.
fn child(
    reference: &RlpNode,
    depth: usize,
    nodes: &HashMap<B256, Bytes>,
    hash: B256,
) -> Result<Box<Node>, TrieNodeError> {
    match reference.as_hash() {
        Some(child) if reference[0] == EMPTY_STRING_CODE + 32 => open(child, depth, nodes),
        _ if reference.len() < 32 => decode(reference, depth, nodes, hash),
        _ => Err(TrieNodeError::Malformed { hash, reason: "a child reference that is neither a hash nor embedded" }),
    }
}

/// Reveals the blinded subtrees below `node` (at `depth` nibbles) whose roots are in `nodes`.
fn reveal(node: &mut Box<Node>, depth: usize, nodes: &HashMap<B256, Bytes>) -> Result<(), TrieNodeError> {
    match &mut node.kind {
        Kind::Leaf { .. } => Ok(()),
        Kind::Blinded(hash) => {
            if nodes.contains_key(hash) {
                *node = open(*hash, depth, nodes)?;
            }
            Ok(())
        }
        Kind::Extension { key, child } => reveal(child, depth + key.len(), nodes),
        Kind::Branch { children } => {
            children.iter_mut().flatten().try_for_each(|child| reveal(child, depth + 1, nodes))
        }
    }
}

#[cfg(test)]
impl MerkleTrie {
    /// Number of nodes whose reference is stale, i.e. that the next [`MerkleTrie::root`] hashes.
    pub(super) fn stale_nodes(&self) -> usize {
        fn count(node: &Node) -> usize {
            let below = match &node.kind {
                Kind::Leaf { .. } | Kind::Blinded(_) => 0,
                Kind::Extension { child, .. } => count(child),
                Kind::Branch { children } => children.iter().flatten().map(|c| count(c)).sum(),
            };
            below + usize::from(node.reference.is_none())
        }
        self.root.as_deref().map_or(0, count)
    }
}
