// Sign-in links sent by email. Delete this folder to remove the feature.
export { feature } from "./feature";
