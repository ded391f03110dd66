// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {ERC721} from "@openzeppelin/contracts/token/ERC721/ERC721.sol";
import {AccessControl} from "@openzeppelin/contracts/access/AccessControl.sol";
import {IIdentityRegistry} from "./interfaces/IIdentityRegistry.sol";

/**
 * @title PropertyDeed
 * @dev One ERC-721 token per property, carrying the hash of its title documents (the documents
 * themselves live off chain; the hash lets anyone prove which version was registered).
 *
 * A deed moves only in two ways:
 * - the REGISTRAR_ROLE (the platform acting as land-registry agent) mints, moves and retires any
 *   deed without approval and without compliance checks: its acts follow legal instruments;
 * - the owner transfers its own deed to a wallet that the identity registry verifies.
 * Approvals are disabled: no operator or marketplace can move a deed.
 *
 * A fractionalised property's deed is held by its {PropertyShares} contract, which has no code
 * to move it, so from then on only the registrar can (for example when the property is sold).
 */
contract PropertyDeed is ERC721, AccessControl {
    bytes32 public constant REGISTRAR_ROLE = keccak256("REGISTRAR_ROLE");

    IIdentityRegistry public identityRegistry;
    string private _baseTokenURI;
    mapping(uint256 tokenId => bytes32) private _titleHashes;

    /// @dev A deed was issued for property `tokenId`.
    event DeedIssued(uint256 indexed tokenId, address indexed owner, bytes32 titleHash);
    /// @dev The title documents of `tokenId` were replaced (for example after a registry update).
    event TitleDocumentsUpdated(uint256 indexed tokenId, bytes32 previousHash, bytes32 newHash);
    /// @dev The deed `tokenId` was retired by the registrar.
    event DeedRetired(uint256 indexed tokenId);
    event IdentityRegistryChanged(address indexed previousRegistry, address indexed newRegistry);
    event BaseURIChanged(string baseURI);

    /// @dev A title hash must name documents.
    error DeedEmptyTitleHash();
    /// @dev Deeds cannot be approved to operators.
    error DeedApprovalsDisabled();
    /// @dev The owner may transfer only to a wallet registered in the identity registry.
    error DeedReceiverNotVerified(address receiver);
    /// @dev The receiver's identity expired at `expiredAt`.
    error DeedReceiverIdentityExpired(address receiver, uint64 expiredAt);
    error DeedInvalidRegistry(address registry);

    constructor(string memory name_, string memory symbol_, IIdentityRegistry registry, address admin)
        ERC721(name_, symbol_)
    {
        if (address(registry) == address(0)) revert DeedInvalidRegistry(address(registry));
        identityRegistry = registry;
        _grantRole(DEFAULT_ADMIN_ROLE, admin);
        _grantRole(REGISTRAR_ROLE, admin);
    }

    /// @dev Issues the deed of property `tokenId` (the platform's property number) to `to`.
    function issueDeed(address to, uint256 tokenId, bytes32 titleHash) external onlyRole(REGISTRAR_ROLE) {
        if (titleHash == bytes32(0)) revert DeedEmptyTitleHash();
        _titleHashes[tokenId] = titleHash;
        _mint(to, tokenId);
        emit DeedIssued(tokenId, to, titleHash);
    }

    function updateTitleDocuments(uint256 tokenId, bytes32 newHash) external onlyRole(REGISTRAR_ROLE) {
        _requireOwned(tokenId);
        if (newHash == bytes32(0)) revert DeedEmptyTitleHash();
        bytes32 previous = _titleHashes[tokenId];
        _titleHashes[tokenId] = newHash;
        emit TitleDocumentsUpdated(tokenId, previous, newHash);
    }

    function retireDeed(uint256 tokenId) external onlyRole(REGISTRAR_ROLE) {
        _burn(tokenId);
        delete _titleHashes[tokenId];
        emit DeedRetired(tokenId);
    }

    function titleHashOf(uint256 tokenId) external view returns (bytes32) {
        _requireOwned(tokenId);
        return _titleHashes[tokenId];
    }

    function setIdentityRegistry(IIdentityRegistry registry) external onlyRole(DEFAULT_ADMIN_ROLE) {
        if (address(registry) == address(0)) revert DeedInvalidRegistry(address(registry));
        emit IdentityRegistryChanged(address(identityRegistry), address(registry));
        identityRegistry = registry;
    }

    function setBaseURI(string calldata baseURI) external onlyRole(DEFAULT_ADMIN_ROLE) {
        _baseTokenURI = baseURI;
        emit BaseURIChanged(baseURI);
    }

    function approve(address, uint256) public pure override {
        revert DeedApprovalsDisabled();
    }

    function setApprovalForAll(address, bool) public pure override {
        revert DeedApprovalsDisabled();
    }

    function supportsInterface(bytes4 interfaceId) public view override(ERC721, AccessControl) returns (bool) {
        return super.supportsInterface(interfaceId);
    }

    function _baseURI() internal view override returns (string memory) {
        return _baseTokenURI;
    }

    /// @dev Only the owner or a registrar may move a deed (approvals are disabled).
    function _isAuthorized(address owner, address spender, uint256) internal view override returns (bool) {
        return spender != address(0) && (spender == owner || hasRole(REGISTRAR_ROLE, spender));
    }

    /// @dev Transfers by the owner (`auth` set, not a registrar) need a verified receiver.
    function _update(address to, uint256 tokenId, address auth) internal override returns (address) {
        if (auth != address(0) && to != address(0) && !hasRole(REGISTRAR_ROLE, auth)) {
            (uint16 country, uint64 expiresAt) = identityRegistry.identityOf(to);
            if (country == 0) revert DeedReceiverNotVerified(to);
            if (block.timestamp >= expiresAt) revert DeedReceiverIdentityExpired(to, expiresAt);
        }
        return super._update(to, tokenId, auth);
    }
}
