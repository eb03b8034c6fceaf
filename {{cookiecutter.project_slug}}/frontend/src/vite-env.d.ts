interface ImportMetaEnv {
  readonly VITE_PROJECT_NAME?: string;
  readonly VITE_API_URL?: string;
}
